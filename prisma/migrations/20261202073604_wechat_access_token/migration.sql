-- CreateTable
CREATE TABLE "wechat_access_token" (
    "app_id" TEXT NOT NULL,
    "token" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "wechat_access_token_pkey" PRIMARY KEY ("app_id")
);

