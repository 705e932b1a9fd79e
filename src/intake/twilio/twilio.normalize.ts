import type { Normalizer } from '../normalizers.js';
import { PermanentJobError } from '../../errors.js';

export const normalizeSms: Normalizer = async () => {
  throw new PermanentJobError('SMS normalization is not built yet');
};
export const normalizeVoice: Normalizer = async () => {
  throw new PermanentJobError('voice normalization is not built yet');
};
