// One measurement in a fresh process: `node bench/child.mjs '<job as JSON>'`. Runs
// bench/measure/<job.measure>.mjs and prints its result as one `RESULT {json}` line on stdout
// (a measure that must report at exit, such as teardown, prints that line itself).
const job = JSON.parse(process.argv[2]);
const { measure } = await import(`./measure/${job.measure}.mjs`);
const result = await measure(job);
if (result !== undefined) process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
