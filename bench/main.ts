/** `npm run bench -- <name>`: dispatches to a benchmark. */
const which = process.argv[2];
switch (which) {
  case 'explorer':
    await import('./explorer.js');
    break;
  default:
    console.error(`mmulab bench: unknown benchmark '${which ?? ''}' (valid: explorer)`);
    process.exit(2);
}
