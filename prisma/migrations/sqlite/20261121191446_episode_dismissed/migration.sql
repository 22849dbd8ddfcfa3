-- AlterTable
ALTER TABLE "ChatSession" ADD COLUMN "episodeDismissedAt" DATETIME;
