import type { FastifyReply } from 'fastify';
import type { ListPage } from './list.js';

// Responses: the database already rendered the JSON, so the envelope is put around it as text.

const JSON_TYPE = 'application/json; charset=utf-8';

export const dataBody = (dataJson: string) => `{"success":true,"data":${dataJson}}`;
export const pageBody = (page: ListPage) => `{"success":true,"data":${page.dataJson},"meta":${JSON.stringify(page.meta)}}`;

/** Sends a response body that is already JSON text (a rendered envelope). */
export function sendBody(reply: FastifyReply, body: string | Buffer, status = 200) {
  return reply.code(status).type(JSON_TYPE).send(body);
}

export function sendData(reply: FastifyReply, dataJson: string, status = 200) {
  return sendBody(reply, dataBody(dataJson), status);
}

export function sendPage(reply: FastifyReply, page: ListPage) {
  return sendBody(reply, pageBody(page));
}

