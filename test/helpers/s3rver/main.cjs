// s3rver on 127.0.0.1, a free port, objects in a given folder, with one bucket.
// Usage: node --openssl-legacy-provider main.cjs <dir> <bucket>
// (s3rver's ListObjectsV2 continuation tokens use DES, a legacy cipher in OpenSSL 3.)
// Prints "listening <port>" once ready; stops on SIGTERM or when stdin closes.
"use strict";
const S3rver = require("s3rver");
const [directory, bucket] = process.argv.slice(2);
const server = new S3rver({
  address: "127.0.0.1",
  port: 0,
  directory,
  silent: true,
  configureBuckets: [{ name: bucket, configs: [] }],
});
const stop = () => server.close().then(() => process.exit(0));
server.run().then(({ port }) => console.log(`listening ${port}`));
process.on("SIGTERM", stop);
process.stdin.on("end", stop);
process.stdin.resume();
