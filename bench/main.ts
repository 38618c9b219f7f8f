/** `npm run bench -- <name>`: dispatches to a benchmark. */
const which = process.argv[2];
switch (which) {
  case 'explorer':
    await import('./explorer.js');
    break;
  case 'compare':
    await import('./compare.js');
    break;
  default:
    console.error(`mmulab bench: unknown benchmark '${which ?? ''}' (valid: explorer, compare)`);
    process.exit(2);
}
