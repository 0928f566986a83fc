/** The app's version, as package.json says (test/forge/manifest.test.ts keeps the two equal): reports name it. */
export const APP_VERSION = '0.1.0';
