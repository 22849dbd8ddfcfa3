-- CreateIndex
CREATE INDEX "Message_sessionId_parentId_idx" ON "Message"("sessionId", "parentId");
