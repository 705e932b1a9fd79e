-- Trigram search on tips (Chinese substring search).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "Channel" AS ENUM ('EMAIL', 'SMS', 'VOICE', 'WEB');

-- CreateEnum
CREATE TYPE "SubmissionState" AS ENUM ('RECEIVED', 'PROCESSED', 'SKIPPED', 'QUARANTINED');

-- CreateEnum
CREATE TYPE "Category" AS ENUM ('HOUSEHOLD', 'NEIGHBORHOOD', 'COMMUNITY');

-- CreateEnum
CREATE TYPE "Priority" AS ENUM ('LOW', 'NORMAL', 'HIGH', 'URGENT');

-- CreateEnum
CREATE TYPE "TipStatus" AS ENUM ('NEW', 'TRIAGED', 'ASSIGNED', 'CLAIMED', 'IN_PROGRESS', 'PUBLISHED', 'DISMISSED', 'MERGED');

-- CreateEnum
CREATE TYPE "Role" AS ENUM ('ADMIN', 'EDITOR', 'REPORTER');

-- CreateEnum
CREATE TYPE "Direction" AS ENUM ('INBOUND', 'OUTBOUND');

-- CreateEnum
CREATE TYPE "DeliveryState" AS ENUM ('RECEIVED', 'QUEUED', 'SENT', 'FAILED', 'SUPPRESSED');

-- CreateEnum
CREATE TYPE "AttachmentState" AS ENUM ('PENDING', 'STORED', 'TOO_LARGE', 'FAILED');

-- CreateEnum
CREATE TYPE "JobState" AS ENUM ('QUEUED', 'RUNNING', 'COMPLETED', 'DEAD');

-- CreateTable
CREATE TABLE "submission" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "channel" "Channel" NOT NULL,
    "external_id" TEXT NOT NULL,
    "raw" BYTEA,
    "params" JSONB,
    "meta" JSONB,
    "sender" TEXT,
    "size_bytes" INTEGER NOT NULL DEFAULT 0,
    "state" "SubmissionState" NOT NULL DEFAULT 'RECEIVED',
    "last_error" TEXT,
    "rate_limited" BOOLEAN NOT NULL DEFAULT false,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "processed_at" TIMESTAMPTZ(3),
    "tip_id" UUID,

    CONSTRAINT "submission_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "tipster" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "phone" TEXT,
    "email" TEXT,
    "display_name" TEXT,
    "sms_opt_out" BOOLEAN NOT NULL DEFAULT false,
    "opt_out_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "tipster_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "tip" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "reference" TEXT NOT NULL,
    "subject" TEXT,
    "body" TEXT NOT NULL DEFAULT '',
    "title" TEXT,
    "location" TEXT,
    "language" TEXT,
    "channel" "Channel" NOT NULL,
    "category" "Category",
    "suggested_category" "Category",
    "suggestion_confidence" DOUBLE PRECISION,
    "suggestion_terms" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "priority" "Priority" NOT NULL DEFAULT 'NORMAL',
    "status" "TipStatus" NOT NULL DEFAULT 'NEW',
    "search_text" TEXT NOT NULL DEFAULT '',
    "version" INTEGER NOT NULL DEFAULT 1,
    "tipster_id" UUID,
    "assignee_id" UUID,
    "claimed_at" TIMESTAMPTZ(3),
    "claim_warned_at" TIMESTAMPTZ(3),
    "last_activity_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "returned_to_pool_at" TIMESTAMPTZ(3),
    "merged_into_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "tip_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "tip_tipster" (
    "tip_id" UUID NOT NULL,
    "tipster_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "tip_tipster_pkey" PRIMARY KEY ("tip_id","tipster_id")
);

-- CreateTable
CREATE TABLE "message" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tip_id" UUID NOT NULL,
    "submission_id" UUID,
    "direction" "Direction" NOT NULL,
    "channel" "Channel" NOT NULL,
    "subject" TEXT,
    "body" TEXT NOT NULL DEFAULT '',
    "full_body" TEXT,
    "email_message_id" TEXT,
    "to_address" TEXT,
    "delivery_state" "DeliveryState" NOT NULL DEFAULT 'RECEIVED',
    "delivery_error" TEXT,
    "external_id" TEXT,
    "kind" TEXT NOT NULL DEFAULT 'message',
    "author_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sent_at" TIMESTAMPTZ(3),

    CONSTRAINT "message_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "attachment" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tip_id" UUID,
    "message_id" UUID,
    "submission_id" UUID,
    "filename" TEXT NOT NULL,
    "content_type" TEXT NOT NULL,
    "size" INTEGER NOT NULL DEFAULT 0,
    "sha256" TEXT,
    "inline" BOOLEAN NOT NULL DEFAULT false,
    "content_id" TEXT,
    "dangerous" BOOLEAN NOT NULL DEFAULT false,
    "kind" TEXT NOT NULL DEFAULT 'file',
    "source_url" TEXT,
    "source_key" TEXT,
    "state" "AttachmentState" NOT NULL DEFAULT 'STORED',
    "error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "attachment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "attachment_blob" (
    "attachment_id" UUID NOT NULL,
    "data" BYTEA NOT NULL,

    CONSTRAINT "attachment_blob_pkey" PRIMARY KEY ("attachment_id")
);

-- CreateTable
CREATE TABLE "app_user" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "email" TEXT NOT NULL,
    "display_name" TEXT NOT NULL,
    "role" "Role" NOT NULL,
    "password_hash" TEXT NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "app_user_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "auth_token" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "token_hash" TEXT NOT NULL,
    "user_id" UUID NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "revoked_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "auth_token_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "rate_limit" (
    "key" TEXT NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,
    "window_start" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "rate_limit_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "note" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tip_id" UUID NOT NULL,
    "author_id" UUID,
    "body" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "note_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_event" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tip_id" UUID,
    "actor_id" UUID,
    "action" TEXT NOT NULL,
    "before" JSONB,
    "after" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_event_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "tip_reference_counter" (
    "day" TEXT NOT NULL,
    "last" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "tip_reference_counter_pkey" PRIMARY KEY ("day")
);

-- CreateTable
CREATE TABLE "job" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "kind" TEXT NOT NULL,
    "payload" JSONB NOT NULL DEFAULT '{}',
    "state" "JobState" NOT NULL DEFAULT 'QUEUED',
    "priority" INTEGER NOT NULL DEFAULT 0,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "max_attempts" INTEGER NOT NULL DEFAULT 10,
    "run_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "locked_by" TEXT,
    "locked_until" TIMESTAMPTZ(3),
    "last_error" TEXT,
    "unique_key" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "job_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "mailbox_cursor" (
    "mailbox" TEXT NOT NULL,
    "uid_validity" BIGINT NOT NULL,
    "last_uid" BIGINT NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "mailbox_cursor_pkey" PRIMARY KEY ("mailbox")
);

-- CreateTable
CREATE TABLE "intake_source" (
    "id" TEXT NOT NULL,
    "channel" "Channel" NOT NULL,
    "seen" INTEGER NOT NULL DEFAULT 0,
    "stored" INTEGER NOT NULL DEFAULT 0,
    "skipped" INTEGER NOT NULL DEFAULT 0,
    "duplicates" INTEGER NOT NULL DEFAULT 0,
    "quarantined" INTEGER NOT NULL DEFAULT 0,
    "last_poll_at" TIMESTAMPTZ(3),
    "last_success_at" TIMESTAMPTZ(3),
    "last_error" TEXT,
    "last_error_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "intake_source_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "category_rule" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "category" "Category" NOT NULL,
    "phrase" TEXT NOT NULL,
    "weight" DOUBLE PRECISION NOT NULL DEFAULT 1,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "category_rule_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "submission_state_received_at_idx" ON "submission"("state", "received_at");

-- CreateIndex
CREATE INDEX "submission_sender_received_at_idx" ON "submission"("sender", "received_at");

-- CreateIndex
CREATE UNIQUE INDEX "submission_channel_external_id_key" ON "submission"("channel", "external_id");

-- CreateIndex
CREATE UNIQUE INDEX "tipster_phone_key" ON "tipster"("phone");

-- CreateIndex
CREATE UNIQUE INDEX "tipster_email_key" ON "tipster"("email");

-- CreateIndex
CREATE UNIQUE INDEX "tip_reference_key" ON "tip"("reference");

-- CreateIndex
CREATE INDEX "tip_status_created_at_idx" ON "tip"("status", "created_at" DESC);

-- CreateIndex
CREATE INDEX "tip_category_created_at_idx" ON "tip"("category", "created_at" DESC);

-- CreateIndex
CREATE INDEX "tip_channel_created_at_idx" ON "tip"("channel", "created_at" DESC);

-- CreateIndex
CREATE INDEX "tip_assignee_id_status_idx" ON "tip"("assignee_id", "status");

-- CreateIndex
CREATE INDEX "tip_tipster_id_created_at_idx" ON "tip"("tipster_id", "created_at");

-- CreateIndex
CREATE INDEX "tip_created_at_id_idx" ON "tip"("created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "tip_search_text_trgm_idx" ON "tip" USING GIN ("search_text" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "tip_tipster_tipster_id_idx" ON "tip_tipster"("tipster_id");

-- CreateIndex
CREATE UNIQUE INDEX "message_submission_id_key" ON "message"("submission_id");

-- CreateIndex
CREATE UNIQUE INDEX "message_email_message_id_key" ON "message"("email_message_id");

-- CreateIndex
CREATE INDEX "message_tip_id_created_at_idx" ON "message"("tip_id", "created_at");

-- CreateIndex
CREATE INDEX "attachment_tip_id_idx" ON "attachment"("tip_id");

-- CreateIndex
CREATE INDEX "attachment_message_id_idx" ON "attachment"("message_id");

-- CreateIndex
CREATE UNIQUE INDEX "attachment_submission_id_source_key_key" ON "attachment"("submission_id", "source_key");

-- CreateIndex
CREATE UNIQUE INDEX "app_user_email_key" ON "app_user"("email");

-- CreateIndex
CREATE UNIQUE INDEX "auth_token_token_hash_key" ON "auth_token"("token_hash");

-- CreateIndex
CREATE INDEX "auth_token_user_id_idx" ON "auth_token"("user_id");

-- CreateIndex
CREATE INDEX "note_tip_id_created_at_idx" ON "note"("tip_id", "created_at");

-- CreateIndex
CREATE INDEX "audit_event_tip_id_created_at_idx" ON "audit_event"("tip_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "job_unique_key_key" ON "job"("unique_key");

-- CreateIndex
CREATE INDEX "job_state_run_at_priority_idx" ON "job"("state", "run_at", "priority");

-- CreateIndex
CREATE INDEX "job_state_locked_until_idx" ON "job"("state", "locked_until");

-- CreateIndex
CREATE INDEX "job_state_finished_at_idx" ON "job"("state", "finished_at");

-- CreateIndex
CREATE UNIQUE INDEX "category_rule_category_phrase_key" ON "category_rule"("category", "phrase");

-- AddForeignKey
ALTER TABLE "submission" ADD CONSTRAINT "submission_tip_id_fkey" FOREIGN KEY ("tip_id") REFERENCES "tip"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "tip" ADD CONSTRAINT "tip_tipster_id_fkey" FOREIGN KEY ("tipster_id") REFERENCES "tipster"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "tip" ADD CONSTRAINT "tip_assignee_id_fkey" FOREIGN KEY ("assignee_id") REFERENCES "app_user"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "tip" ADD CONSTRAINT "tip_merged_into_id_fkey" FOREIGN KEY ("merged_into_id") REFERENCES "tip"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "tip_tipster" ADD CONSTRAINT "tip_tipster_tip_id_fkey" FOREIGN KEY ("tip_id") REFERENCES "tip"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "message" ADD CONSTRAINT "message_tip_id_fkey" FOREIGN KEY ("tip_id") REFERENCES "tip"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "message" ADD CONSTRAINT "message_submission_id_fkey" FOREIGN KEY ("submission_id") REFERENCES "submission"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "message" ADD CONSTRAINT "message_author_id_fkey" FOREIGN KEY ("author_id") REFERENCES "app_user"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "attachment" ADD CONSTRAINT "attachment_tip_id_fkey" FOREIGN KEY ("tip_id") REFERENCES "tip"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "attachment" ADD CONSTRAINT "attachment_message_id_fkey" FOREIGN KEY ("message_id") REFERENCES "message"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "attachment" ADD CONSTRAINT "attachment_submission_id_fkey" FOREIGN KEY ("submission_id") REFERENCES "submission"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "attachment_blob" ADD CONSTRAINT "attachment_blob_attachment_id_fkey" FOREIGN KEY ("attachment_id") REFERENCES "attachment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "auth_token" ADD CONSTRAINT "auth_token_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "app_user"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "note" ADD CONSTRAINT "note_tip_id_fkey" FOREIGN KEY ("tip_id") REFERENCES "tip"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "note" ADD CONSTRAINT "note_author_id_fkey" FOREIGN KEY ("author_id") REFERENCES "app_user"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "audit_event" ADD CONSTRAINT "audit_event_tip_id_fkey" FOREIGN KEY ("tip_id") REFERENCES "tip"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "audit_event" ADD CONSTRAINT "audit_event_actor_id_fkey" FOREIGN KEY ("actor_id") REFERENCES "app_user"("id") ON DELETE SET NULL ON UPDATE CASCADE;

