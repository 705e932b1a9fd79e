import { createLanguageKit, loadLanguageData, type LanguageKit } from '../../src/tips/language/language.js';

let kit: LanguageKit | undefined;
/** One kit (and one jieba instance) per test file. */
export const testKit = () => (kit ??= createLanguageKit(loadLanguageData()));
