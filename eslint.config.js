// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', '.stack/', 'agent-ui/dist/', 'bench/out/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'ari-client',
              message: 'Only ivr/ari/ may import ari-client (the call-control port is the way in).',
            },
            { name: 'asterisk-manager', message: 'Only cti/ami/ may import asterisk-manager.' },
          ],
        },
      ],
    },
  },
  { files: ['ivr/ari/**'], rules: { 'no-restricted-imports': 'off' } },
  { files: ['cti/ami/**'], rules: { 'no-restricted-imports': 'off' } },
  { files: ['*.js'], ...tseslint.configs.disableTypeChecked },
);
