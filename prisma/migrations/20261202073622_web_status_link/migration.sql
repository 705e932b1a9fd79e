-- CreateTable
CREATE TABLE "web_status_link" (
    "key_hash" TEXT NOT NULL,
    "tip_id" UUID NOT NULL,
    "submission_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "web_status_link_pkey" PRIMARY KEY ("key_hash")
);

-- CreateIndex
CREATE UNIQUE INDEX "web_status_link_submission_id_key" ON "web_status_link"("submission_id");

-- CreateIndex
CREATE INDEX "web_status_link_tip_id_idx" ON "web_status_link"("tip_id");

