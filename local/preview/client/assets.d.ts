// Stylesheets are bundled by esbuild (local/preview/bundle.ts); importing one only adds it to the page.
declare module '*.css';
