-- AlterTable
ALTER TABLE "tip" ADD COLUMN     "closed_at" TIMESTAMPTZ(3),
ADD COLUMN     "contact_erased_at" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "contact_block" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "kind" TEXT NOT NULL,
    "contact_hash" TEXT NOT NULL,
    "hint" TEXT NOT NULL,
    "created_by_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "contact_block_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "contact_access" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "user_id" UUID,
    "tipster_id" UUID NOT NULL,
    "tip_id" UUID,
    "purpose" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "contact_access_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "contact_block_contact_hash_key" ON "contact_block"("contact_hash");

-- CreateIndex
CREATE INDEX "contact_access_created_at_id_idx" ON "contact_access"("created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "contact_access_tipster_id_created_at_idx" ON "contact_access"("tipster_id", "created_at");

-- CreateIndex
CREATE INDEX "submission_tip_id_idx" ON "submission"("tip_id");

-- CreateIndex
CREATE INDEX "tip_contact_erased_at_closed_at_idx" ON "tip"("contact_erased_at", "closed_at");


-- Hand-written: closed_at follows the status wherever it is changed (the triage service,
-- merges, raw SQL), so retention never depends on every writer remembering to set it.
CREATE FUNCTION tip_closed_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status NOT IN ('PUBLISHED', 'DISMISSED', 'MERGED') THEN
    NEW.closed_at := NULL;
  ELSIF TG_OP = 'INSERT' THEN
    NEW.closed_at := COALESCE(NEW.closed_at, now());
  ELSIF OLD.status NOT IN ('PUBLISHED', 'DISMISSED', 'MERGED') THEN
    NEW.closed_at := now();
  ELSE
    -- PUBLISHED -> DISMISSED and the like: still closed since the first close.
    NEW.closed_at := COALESCE(OLD.closed_at, NEW.closed_at, now());
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER tip_closed_at BEFORE INSERT OR UPDATE OF status ON tip FOR EACH ROW EXECUTE FUNCTION tip_closed_at();

-- Tips closed before this migration: their last update is the best date there is.
UPDATE tip SET closed_at = updated_at WHERE status IN ('PUBLISHED', 'DISMISSED', 'MERGED');

-- Hand-written: erasure and lookup find a sender's submissions in any letter case (mail
-- clients write addresses as they like); Prisma's schema cannot declare an expression index.
CREATE INDEX submission_lower_sender_idx ON submission (lower(sender));
