-- CreateTable
CREATE TABLE "desk_event" (
    "id" BIGSERIAL NOT NULL,
    "tip_id" UUID NOT NULL,
    "action" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "desk_event_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "desk_event_created_at_idx" ON "desk_event"("created_at");

