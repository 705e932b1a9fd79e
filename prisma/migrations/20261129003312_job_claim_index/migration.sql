-- DropIndex
DROP INDEX "job_state_run_at_priority_idx";

-- CreateIndex
CREATE INDEX "job_state_priority_run_at_idx" ON "job"("state", "priority" DESC, "run_at");

