import { z } from 'zod';
import { Role as DbRole } from '../generated/prisma/enums.js';

export const RoleSchema = z.enum(Object.values(DbRole) as [DbRole, ...DbRole[]]);
export type Role = z.infer<typeof RoleSchema>;

export const LoginSchema = z.object({
  email: z.string().trim().toLowerCase().email(),
  password: z.string().min(1).max(200),
});
export type Login = z.infer<typeof LoginSchema>;

export const CreateUserSchema = z.object({
  email: z.string().trim().toLowerCase().email(),
  displayName: z.string().trim().min(1).max(100),
  role: z
    .string()
    .transform((s) => s.toUpperCase())
    .pipe(RoleSchema),
  password: z.string().min(10, 'must be at least 10 characters').max(200),
});
export type CreateUser = z.infer<typeof CreateUserSchema>;

export const ChangePasswordSchema = z.object({
  currentPassword: z.string().min(1).max(200),
  newPassword: z.string().min(10, 'must be at least 10 characters').max(200),
});
export type ChangePassword = z.infer<typeof ChangePasswordSchema>;

export const UpdateUserSchema = z.object({
  active: z.boolean().optional(),
  displayName: z.string().trim().min(1).max(100).optional(),
  role: z
    .string()
    .transform((s) => s.toUpperCase())
    .pipe(RoleSchema)
    .optional(),
  password: z.string().min(10).max(200).optional(),
});
export type UpdateUser = z.infer<typeof UpdateUserSchema>;

/** GET /api/users?role=REPORTER&active=true: the people an editor can assign to. */
export const UsersQuerySchema = z.object({
  role: z
    .string()
    .transform((s) => s.toUpperCase())
    .pipe(RoleSchema)
    .optional(),
  active: z.enum(['true', 'false']).optional(),
});

export interface AuthUser {
  id: string;
  email: string;
  displayName: string;
  role: Role;
}
