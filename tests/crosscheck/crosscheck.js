// Cross-checks paymesh's WeChat Pay v3 signatures and encryption against an independent
// implementation: the Rsa, Aes.AesGcm and Formatter helpers of wechatpay-axios-plugin.
//
//   node crosscheck.js vectors.json produced.json
//
// vectors.json comes from our own code (a request signed by the payment client, a response and a
// notification signed and encrypted by the simulator); this script verifies each one, checks that
// tampering is caught, then writes produced.json: a notification signed and encrypted by the
// plugin, which our verifier must accept. Exit status 1 on any failed check.
'use strict';

const fs = require('fs');
const { Rsa, Aes, Formatter } = require('wechatpay-axios-plugin');

const [, , inPath, outPath] = process.argv;
if (!inPath || !outPath) {
  console.error('usage: node crosscheck.js vectors.json produced.json');
  process.exit(2);
}
const v = JSON.parse(fs.readFileSync(inPath, 'utf8'));
let failures = 0;
function check(name, ok) {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}`);
  if (!ok) failures += 1;
}
function lower(headers) {
  return Object.fromEntries(Object.entries(headers).map(([k, val]) => [k.toLowerCase(), val]));
}
function parseAuthorization(value) {
  const [scheme, rest] = [value.slice(0, value.indexOf(' ')), value.slice(value.indexOf(' ') + 1)];
  const params = {};
  for (const m of rest.matchAll(/(\w+)="([^"]*)"/g)) params[m[1]] = m[2];
  return { scheme, params };
}
function verifyResponse(headers, body, publicKey) {
  const h = lower(headers);
  return Rsa.verify(Formatter.response(h['wechatpay-timestamp'], h['wechatpay-nonce'], body),
    h['wechatpay-signature'], publicKey);
}

const merchantPublic = Rsa.from(v.merchant_public_key_pem, Rsa.KEY_TYPE_PUBLIC);
const platformPublic = Rsa.from(v.platform_public_key_pem, Rsa.KEY_TYPE_PUBLIC);
const platformPrivate = Rsa.from(v.platform_private_key_pem, Rsa.KEY_TYPE_PRIVATE);

// 1. A request signed by our payment client.
for (const req of v.requests) {
  const { scheme, params } = parseAuthorization(req.authorization);
  check(`${req.name}: scheme`, scheme === 'WECHATPAY2-SHA256-RSA2048');
  check(`${req.name}: mchid and serial`, params.mchid === v.mchid && params.serial_no === v.merchant_serial);
  const message = Formatter.request(req.method, req.target, params.timestamp, params.nonce_str, req.body);
  check(`${req.name}: signature verifies`, Rsa.verify(message, params.signature, merchantPublic));
  const tampered = Formatter.request(req.method, req.target, params.timestamp, params.nonce_str, `${req.body} `);
  check(`${req.name}: tampered body fails`, !Rsa.verify(tampered, params.signature, merchantPublic));
}

// 2. Responses signed by our simulator (a JSON body and the 204 empty-body form).
for (const res of v.responses) {
  check(`${res.name}: signature verifies`, verifyResponse(res.headers, res.body, platformPublic));
  check(`${res.name}: tampered body fails`, !verifyResponse(res.headers, `${res.body}x`, platformPublic));
  check(`${res.name}: serial is the public key id`, lower(res.headers)['wechatpay-serial'] === v.platform_public_key_id);
}

// 3. A notification signed and encrypted by our simulator.
const n = v.notification;
check('notification: signature verifies', verifyResponse(n.headers, n.body, platformPublic));
const envelope = JSON.parse(n.body);
const r = envelope.resource;
check('notification: 12-character nonce', r.nonce.length === 12);
const plain = JSON.parse(Aes.AesGcm.decrypt(r.ciphertext, v.apiv3_key, r.nonce, r.associated_data));
check('notification: decrypts to the transaction', plain.out_trade_no === n.out_trade_no
  && plain.trade_state === 'SUCCESS' && plain.amount.total === n.amount_total);
let tamperCaught = false;
try {
  Aes.AesGcm.decrypt(r.ciphertext, v.apiv3_key, r.nonce, 'refund');
} catch (e) {
  tamperCaught = true;
}
check('notification: wrong associated data fails', tamperCaught);

// 4. A notification made by the plugin, for our verifier to accept.
const transaction = {
  mchid: v.mchid, appid: v.appid, out_trade_no: 'PMCROSSCHECK0000000000000001',
  transaction_id: '4200000000000000000000000001', trade_type: 'NATIVE', trade_state: 'SUCCESS',
  trade_state_desc: '支付成功', bank_type: 'OTHERS', success_time: '2026-11-21T10:00:00+08:00',
  payer: { openid: 'oCrossCheck000000000000000001' },
  amount: { total: 1234, payer_total: 1234, currency: 'CNY', payer_currency: 'CNY' },
};
const aeadNonce = Formatter.nonce(12);
const body = JSON.stringify({
  id: 'f1e2d3c4-b5a6-5978-8a9b-0c1d2e3f4a5b', create_time: '2026-11-21T10:00:01+08:00',
  resource_type: 'encrypt-resource', event_type: 'TRANSACTION.SUCCESS', summary: '支付成功',
  resource: {
    original_type: 'transaction', algorithm: 'AEAD_AES_256_GCM', associated_data: 'transaction',
    nonce: aeadNonce, ciphertext: Aes.AesGcm.encrypt(JSON.stringify(transaction), v.apiv3_key, aeadNonce, 'transaction'),
  },
});
const timestamp = `${Formatter.timestamp()}`;
const nonce = Formatter.nonce();
fs.writeFileSync(outPath, JSON.stringify({
  headers: {
    'Wechatpay-Timestamp': timestamp, 'Wechatpay-Nonce': nonce,
    'Wechatpay-Signature': Rsa.sign(Formatter.response(timestamp, nonce, body), platformPrivate),
    'Wechatpay-Serial': v.platform_public_key_id, 'Wechatpay-Signature-Type': 'WECHATPAY2-SHA256-RSA2048',
  },
  body,
  transaction,
}));
console.log(`wrote ${outPath}`);
process.exit(failures ? 1 : 0);
