/** `npm run bench -- <name>`: dispatches to a benchmark; no name runs the runtime's. */
const which = process.argv[2];
switch (which) {
  case undefined:
  case 'runtime':
    await import('./runtime.js');
    break;
  case 'explorer':
    await import('./explorer.js');
    break;
  case 'compare':
    await import('./compare.js');
    break;
  case 'fuzz':
    await import('./fuzz.js');
    break;
  case 'steps':
    await import('./steps.js');
    break;
  case 'fingerprint':
    await import('./fingerprint.js');
    break;
  case 'instructions':
    await import('./instructions.js');
    break;
  default:
    console.error(
      `mmulab bench: unknown benchmark '${which ?? ''}' (valid: runtime, explorer, compare, fuzz, steps, fingerprint, instructions)`,
    );
    process.exit(2);
}
