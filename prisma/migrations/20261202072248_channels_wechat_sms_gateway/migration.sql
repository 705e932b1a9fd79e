-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "Channel" ADD VALUE 'WECHAT';
ALTER TYPE "Channel" ADD VALUE 'SMS_GATEWAY';

-- AlterTable
ALTER TABLE "tipster" ADD COLUMN     "wechat_open_id" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "tipster_wechat_open_id_key" ON "tipster"("wechat_open_id");

