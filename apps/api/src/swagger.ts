import { API_KEY_SECURITY } from '@app/auth';
import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('KRA race data API')
    .setDescription(
      'Korean horse racing data collected from the KRA OpenAPI. Every route under /api needs an ' +
        '`X-API-Key` header; rate limits are reported in `X-RateLimit-*` headers. Errors share one body: ' +
        '`{statusCode, error, message, requestId, details?}`.',
    )
    .setVersion('2')
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key' }, API_KEY_SECURITY)
    .build();
  return SwaggerModule.createDocument(app, config);
}

export function mountSwagger(app: INestApplication): void {
  SwaggerModule.setup('docs', app, buildOpenApiDocument(app), {
    jsonDocumentUrl: 'docs/json',
    yamlDocumentUrl: 'docs/yaml',
  });
}
