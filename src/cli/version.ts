/** The package's version, as package.json says (a test holds them equal); a constant so the CLI needs no file read and runs in a browser too. */
export const VERSION = '0.1.0';
