#!/usr/bin/env node
/** `secagg` command-line tool. The protocol issue replaces this placeholder with `simulate`. */
console.log('secagg: the simulate command is not built yet');
