-- AlterEnum
ALTER TYPE "DeliveryState" ADD VALUE 'DELIVERED';

