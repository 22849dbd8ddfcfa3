-- AlterTable
ALTER TABLE "ChatSession" ADD COLUMN     "episodeDismissedAt" TIMESTAMP(3);
