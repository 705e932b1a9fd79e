-- DropIndex
DROP INDEX "tip_status_created_at_idx";

-- CreateIndex
CREATE INDEX "tip_status_created_at_id_idx" ON "tip"("status", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "tip_status_priority_created_at_id_idx" ON "tip"("status", "priority" DESC, "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "tip_priority_created_at_id_idx" ON "tip"("priority" DESC, "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "tip_assignee_id_created_at_id_idx" ON "tip"("assignee_id", "created_at" DESC, "id" DESC);

