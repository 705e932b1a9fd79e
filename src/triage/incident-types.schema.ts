import { z } from 'zod';

// The incident taxonomy (电梯故障, 井盖缺失, 路灯不亮…) as the API reads and changes it. A type is
// recognised in a tip by any of its phrases (synonyms that decide alone: 电梯坏了, 电梯停运, 困梯), or
// by a subject with a fault word nearby (电梯 … 不动了); see src/tips/language/incidents.ts.

const word = z.string().trim().min(1).max(20);
const words = (what: string) => z.array(word).max(60).meta({ description: what });

export const IncidentCodeParams = z.object({
  code: z
    .string()
    .regex(/^[a-z][a-z0-9-]{1,39}$/)
    .meta({ description: 'the type’s code: lower-case letters, digits and dashes (elevator, stairwell-light)' }),
});

const fields = {
  label: z.string().trim().min(1).max(40).meta({ description: 'the name editors see (电梯故障)' }),
  phrases: words('synonyms: any one of them in a tip is enough (困梯, 电梯停运, 下水道盖子没了)'),
  subjects: words('what breaks (电梯, 井盖): with a fault word within 10 characters it counts, alone it is only a hint'),
  faults: words('what goes wrong with a subject (坏, 不动, 丢, 不亮)'),
};

/** A type must be recognisable: at least one phrase, or a subject. */
const recognisable = (t: { phrases?: string[]; subjects?: string[] }) => (t.phrases?.length ?? 0) + (t.subjects?.length ?? 0) > 0;

export const IncidentTypeCreateSchema = z
  .object({
    code: IncidentCodeParams.shape.code,
    label: fields.label,
    phrases: fields.phrases.default([]),
    subjects: fields.subjects.default([]),
    faults: fields.faults.default([]),
  })
  .strict()
  .refine(recognisable, { path: ['phrases'], message: 'give at least one phrase or subject' });
export type IncidentTypeCreate = z.infer<typeof IncidentTypeCreateSchema>;

export const IncidentTypePatchSchema = z
  .object({
    label: fields.label.optional(),
    phrases: fields.phrases.optional(),
    subjects: fields.subjects.optional(),
    faults: fields.faults.optional(),
    active: z.boolean().optional().meta({ description: 'false: new tips are no longer read for it (old tips keep their code)' }),
  })
  .strict()
  .refine((p) => Object.keys(p).length > 0, { path: ['label'], message: 'nothing to change' });
export type IncidentTypePatch = z.infer<typeof IncidentTypePatchSchema>;

export const IncidentTypeViewSchema = z
  .object({
    code: z.string(),
    label: z.string(),
    phrases: z.array(z.string()),
    subjects: z.array(z.string()),
    faults: z.array(z.string()),
    active: z.boolean(),
    updatedAt: z.string().meta({ format: 'date-time' }),
  })
  .meta({ id: 'IncidentType' });
export const IncidentTypesResponseSchema = z.object({ incidentTypes: z.array(IncidentTypeViewSchema) });
export const IncidentTypeResponseSchema = z.object({ incidentType: IncidentTypeViewSchema });
