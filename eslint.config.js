import js from '@eslint/js'
import reactHooks from 'eslint-plugin-react-hooks'
import globals from 'globals'
import { readdirSync, readFileSync } from 'node:fs'
import tseslint from 'typescript-eslint'

/**
 * Process boundaries are lint rules (architecture.md): shared code runs everywhere, so it imports
 * no Electron, no Node built-ins and uses no DOM; services never import Electron; the renderer
 * never reaches into main or preload code and only talks to `window.api`.
 */
/**
 * The renderer's zustand store hooks (`export const useX = create…`), found in its sources so a new
 * store is covered the day it is written. Called without a selector, such a hook subscribes to
 * the whole store: every change re-renders the component (issue 14: every host row re-rendered).
 */
const RENDERER = `${import.meta.dirname}/src/renderer/src`
const storeHooks = readdirSync(RENDERER, { recursive: true })
  .filter((file) => /\.tsx?$/.test(file) && !/\.test\.tsx?$/.test(file))
  .flatMap((file) => [...readFileSync(`${RENDERER}/${file}`, 'utf8').matchAll(/export const (use\w+) = create\b/g)])
  .map((match) => match[1])
  .sort()
const wholeStore = {
  selector: `CallExpression[callee.type='Identifier'][callee.name=/^(${storeHooks.join('|')})$/][arguments.length=0]`,
  message: 'Subscribe with a selector (useX((s) => s.part)), never to the whole store: it re-renders on every change.',
}

const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'child_process', 'net', 'crypto', 'http', 'util', 'events']

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'release/**', 'node_modules/**', 'test-results/**', 'playwright-report/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  {
    files: ['src/shared/**/*.ts'],
    languageOptions: { globals: {} },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'src/shared runs in every process: no Electron.' }],
          patterns: [
            { group: nodeBuiltins, message: 'src/shared runs in the browser too: no Node built-ins.' },
            {
              group: ['**/main/**', '**/preload/**', '**/renderer/**'],
              message: 'src/shared depends on nothing else.',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        'window',
        'document',
        'localStorage',
        'sessionStorage',
        'navigator',
        'process',
        'Buffer',
      ],
    },
  },
  {
    files: ['src/main/**/*.ts'],
    ignores: ['src/main/index.ts', 'src/main/window.ts', 'src/main/ipc/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'electron',
              message: 'Only index.ts, window.ts and ipc/ may import Electron: services stay plain.',
            },
            { name: 'electron-store', message: 'Only index.ts builds electron-store; services take a StoreFactory.' },
          ],
          patterns: [{ group: ['**/renderer/**', '**/preload/**'], message: 'main does not import UI code.' }],
        },
      ],
    },
  },
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'The renderer talks to window.api only.' }],
          patterns: [
            {
              group: ['**/main/**', '**/preload/*', '!**/preload/index.d.ts'],
              message: 'The renderer never imports main or preload code.',
            },
            { group: nodeBuiltins, message: 'The renderer runs in a sandboxed page: no Node built-ins.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    rules: { 'no-restricted-syntax': ['error', wholeStore] },
  },
)
