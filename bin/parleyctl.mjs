#!/usr/bin/env node
// The `parleyctl` bin of the package: registers tsx (a dependency) so Node runs the TypeScript CLI as is.
import { register } from 'tsx/esm/api';

register();
await import('./parleyctl.ts');
