-- AlterTable
ALTER TABLE "message" ADD COLUMN     "send_started_at" TIMESTAMPTZ(3);

