// Runs the official `openai` npm client against a vlm4j server: one non-streamed and one streamed
// greedy request with an image. Usage: node check.mjs BASE_URL IMAGE_DATA_URL_FILE
import OpenAI from 'openai';
import { readFileSync } from 'node:fs';

const [baseURL, imageFile] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey: 'test-key', maxRetries: 0, timeout: 60000 });
const url = readFileSync(imageFile, 'utf8').trim();
const messages = [{ role: 'user', content: [
  { type: 'image_url', image_url: { url } },
  { type: 'text', text: 'Describe the image.' },
] }];

const models = await client.models.list();
const full = await client.chat.completions.create({ model: 'tiny', messages, temperature: 0, max_tokens: 32 });
let streamed = '';
let finish = null;
let usage = null;
const stream = await client.chat.completions.create({
  model: 'tiny', messages, temperature: 0, max_tokens: 32, stream: true, stream_options: { include_usage: true },
});
for await (const chunk of stream) {
  if (chunk.usage) usage = chunk.usage;
  const c = chunk.choices[0];
  if (c && c.delta && c.delta.content) streamed += c.delta.content;
  if (c && c.finish_reason) finish = c.finish_reason;
}
let error = null;
try {
  await client.chat.completions.create({ model: 'tiny', messages, n: 2 });
} catch (e) {
  error = { status: e.status, param: e.param, type: e.type };
}
console.log(JSON.stringify({
  model: models.data[0].id,
  text: full.choices[0].message.content,
  finish: full.choices[0].finish_reason,
  usage: full.usage,
  streamed, streamFinish: finish, streamUsage: usage, error,
}));
