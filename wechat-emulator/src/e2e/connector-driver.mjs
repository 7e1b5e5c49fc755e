// Runs the real @logto/connector-wechat-web (npm) as Logto does, one call per process:
//   node --require tests/harness/dns-preload.cjs connector-driver.mjs authorization-uri|user-info '<json payload>'
// Prints one JSON line: {"ok":true,"result":...} or {"ok":false,"error":{"name","code","message","data"}}.
// Started by connector.test.ts with NODE_EXTRA_CA_CERTS = the emulator's CA.
import createConnector from "@logto/connector-wechat-web";

const [command, payloadJson = "{}"] = process.argv.slice(2);
const payload = JSON.parse(payloadJson);

const connector = await createConnector({ getConfig: async () => payload.config });

const run = async () => {
  switch (command) {
    case "authorization-uri":
      return connector.getAuthorizationUri(
        {
          state: payload.state,
          redirectUri: payload.redirectUri,
          connectorId: "wechat",
          connectorFactoryId: "wechat-web",
          jti: "e2e",
          headers: {},
        },
        async () => {}
      );
    case "user-info": {
      const { id, name, avatar } = await connector.getUserInfo({ code: payload.code }, async () => ({}));
      return { id, name, avatar };
    }
    default:
      throw new Error(`unknown command ${command}`);
  }
};

try {
  const result = await run();
  process.stdout.write(`${JSON.stringify({ ok: true, result })}\n`);
} catch (error) {
  process.stdout.write(
    `${JSON.stringify({ ok: false, error: { name: error?.name, code: error?.code, message: error?.message, data: error?.data } })}\n`
  );
}
