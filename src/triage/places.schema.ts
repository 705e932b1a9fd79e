import { z } from 'zod';
import { placeKinds } from '../tips/language/places.js';

// The newsroom's places list (estates, roads, landmarks) as the API reads and changes it.

const name = z.string().trim().min(2).max(40);
export const PlaceCreateSchema = z
  .object({
    name,
    kind: z.enum(placeKinds).meta({ description: 'estate (小区), road or landmark' }),
    aliases: z.array(name).max(20).default([]).meta({ description: 'other names people use (柳航里小区 for 柳航里)' }),
    community: z.string().trim().max(40).nullable().optional().meta({ description: 'its community, short form (柳航里社区)' }),
    street: z.string().trim().max(40).nullable().optional(),
    district: z.string().trim().max(40).nullable().optional(),
  })
  .strict();
export type PlaceCreate = z.infer<typeof PlaceCreateSchema>;

export const NewsroomPlaceViewSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    kind: z.string(),
    aliases: z.array(z.string()),
    community: z.string().nullable(),
    street: z.string().nullable(),
    district: z.string().nullable(),
    createdAt: z.string().meta({ format: 'date-time' }),
  })
  .meta({ id: 'NewsroomPlace' });
export const PlacesResponseSchema = z.object({ places: z.array(NewsroomPlaceViewSchema) });
export const PlaceResponseSchema = z.object({ place: NewsroomPlaceViewSchema });
