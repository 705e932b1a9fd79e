// ESLint flat config: typescript-eslint's recommended rules, Prettier owns formatting.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// Layers (README "Code tour"): a tip flows channels → queue → tips → triage →
// messaging → http → dashboard, and the code below triage never imports it or anything above it.
// Each entry lists the folders its folder must not import; an import path is matched on its
// folder name, so '../triage/x.js' and '../../triage/x.js' are both caught.
const ABOVE_TRIAGE = ['triage', 'messaging', 'privacy', 'users', 'http', 'dashboard'];
const LAYERS = {
  // The audit trail is written by tips, triage and privacy: it sits below all of them.
  audit: ['channels', 'queue', 'tips', 'lifecycle', ...ABOVE_TRIAGE],
  queue: ['channels', 'tips', ...ABOVE_TRIAGE],
  tips: ['channels', ...ABOVE_TRIAGE],
  // Exception: the channels' send jobs (twilio/send-sms, wechat/send-wechat, sms-gateway/send) are the
  // outbound half of each adapter and record the send through messaging/after-send; the email reply
  // and the gateway's silence alert build messaging's send-email payload; blocked senders come from
  // privacy/blocks and privacy/contact (intake must refuse them before a tip exists). Those stay allowed.
  channels: ['triage', 'users', 'http', 'dashboard'],
};
// Exceptions for every layer above: lifecycle/service.ts (the Service contract) and
// lifecycle/periodic.ts (a Service on a timer) are below everything; the rest of lifecycle wires the
// whole process together and is above everything. A module's *.routes.ts registers on the http
// ApiRegistry (a type import): it is that module's HTTP edge.
const folders = (dirs) => `(^|/)(${dirs.join('|')})/`;
const upward = (dirs, where) => ({
  regex: folders(dirs),
  message: `${where} must not import ${dirs.join(', ')}: they sit above it in the pipeline (eslint.config.js LAYERS).`,
});
const lifecycle = (where) => ({
  regex: '(^|/)lifecycle/(?!(service|periodic)\\.js$)',
  message: `${where} may use lifecycle's Service and periodicService only; the rest of lifecycle is the process's wiring.`,
});
const layerRules = Object.entries(LAYERS).flatMap(([dir, above]) => {
  const where = `src/${dir}`;
  const notHttp = above.filter((d) => d !== 'http');
  return [
    { files: [`${where}/**/*.ts`], rules: { 'no-restricted-imports': ['error', { patterns: [upward(above, where), lifecycle(where)] }] } },
    {
      files: [`${where}/**/*.routes.ts`],
      rules: {
        'no-restricted-imports': [
          'error',
          {
            patterns: [
              upward(notHttp, where),
              lifecycle(where),
              { regex: '(^|/)http/(?!route-registry\\.js$)', message: `${where}'s routes may import http's route registry only.` },
              { regex: '(^|/)http/route-registry\\.js$', allowTypeImports: true, message: 'Routes take the ApiRegistry as a type only.' },
            ],
          },
        ],
      },
    },
  ];
});

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'data/', 'src/generated/', 'test/artifacts/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-explicit-any': 'off',
      // Flags the common "let x = initial; try { x = … }" pattern; TypeScript's own flow checks cover real mistakes.
      'no-useless-assignment': 'off',
      // Parsers of mail and SMS strip control characters on purpose.
      'no-control-regex': 'off',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.name='vi'][callee.property.name='mock']",
          message: 'Pass dependencies in (Deps) instead of vi.mock.',
        },
      ],
    },
  },
  {
    files: ['src/dashboard/web/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  ...layerRules,
  prettier,
);
