-- AlterTable
ALTER TABLE "intake_source" ADD COLUMN     "pending" INTEGER;

