-- AlterTable
ALTER TABLE "message" ADD COLUMN     "delivery_error_code" TEXT;

-- CreateIndex
CREATE INDEX "rate_limit_window_start_idx" ON "rate_limit"("window_start");

