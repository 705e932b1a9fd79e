import type { Normalizer } from '../normalizers.js';
import { PermanentJobError } from '../../errors.js';

export const normalizeEmail: Normalizer = async () => {
  throw new PermanentJobError('email normalization is not built yet');
};
