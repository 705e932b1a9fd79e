-- Reading a tip (places, search tokens, incident types, suggestion, duplicate) moves out of
-- tip creation into the tip.read job (issue 17). read_at says when the job last read the text;
-- null while a reading is due. Tips made before this migration were read at creation.
-- AlterTable
ALTER TABLE "tip" ADD COLUMN     "read_at" TIMESTAMPTZ(3);

UPDATE "tip" SET "read_at" = "created_at";
