-- AlterTable
ALTER TABLE "tip" ADD COLUMN     "content_words" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "duplicate_of_id" UUID,
ADD COLUMN     "duplicate_score" DOUBLE PRECISION,
ADD COLUMN     "incident_types" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "loc_building" TEXT,
ADD COLUMN     "loc_community" TEXT,
ADD COLUMN     "loc_district" TEXT,
ADD COLUMN     "loc_estate" TEXT,
ADD COLUMN     "loc_landmark" TEXT,
ADD COLUMN     "loc_road" TEXT,
ADD COLUMN     "loc_street" TEXT,
ADD COLUMN     "loc_unit" TEXT,
ADD COLUMN     "location_edited" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "location_source" TEXT,
ADD COLUMN     "location_words" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "search_tokens" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "site_key" TEXT,
ADD COLUMN     "suggestion_model_version" INTEGER;

-- CreateTable
CREATE TABLE "newsroom_place" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "aliases" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "community" TEXT,
    "street" TEXT,
    "district" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "newsroom_place_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "incident_type" (
    "code" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "phrases" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "subjects" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "faults" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "active" BOOLEAN NOT NULL DEFAULT true,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "incident_type_pkey" PRIMARY KEY ("code")
);

-- CreateTable
CREATE TABLE "word_df" (
    "word" TEXT NOT NULL,
    "df" INTEGER NOT NULL,

    CONSTRAINT "word_df_pkey" PRIMARY KEY ("word")
);

-- CreateTable
CREATE TABLE "word_df_state" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "tip_count" INTEGER NOT NULL DEFAULT 0,
    "counted_until" TIMESTAMPTZ(3) NOT NULL,
    "counted_id" UUID,

    CONSTRAINT "word_df_state_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "category_model" (
    "version" SERIAL NOT NULL,
    "model" JSONB NOT NULL,
    "trained_on" INTEGER NOT NULL,
    "trained_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "category_model_pkey" PRIMARY KEY ("version")
);

-- CreateIndex
CREATE UNIQUE INDEX "newsroom_place_name_key" ON "newsroom_place"("name");

-- CreateIndex
CREATE INDEX "tip_search_tokens_idx" ON "tip" USING GIN ("search_tokens");

-- CreateIndex
CREATE INDEX "tip_incident_types_idx" ON "tip" USING GIN ("incident_types");

-- CreateIndex
CREATE INDEX "tip_site_key_created_at_idx" ON "tip"("site_key", "created_at" DESC);

-- AddForeignKey
ALTER TABLE "tip" ADD CONSTRAINT "tip_duplicate_of_id_fkey" FOREIGN KEY ("duplicate_of_id") REFERENCES "tip"("id") ON DELETE SET NULL ON UPDATE CASCADE;

