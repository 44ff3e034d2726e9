// Every test process, and every process a test starts (they inherit the environment),
// runs on the embedded defaults and the test's own settings: never on the developer's .env.
process.env.LOCAL_ENV_FILE = 'none';
