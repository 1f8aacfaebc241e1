/** Post-race fields: none may appear anywhere in a prerace view, at any depth. */
export const FORBIDDEN_KEY =
  /^(finishPosition|position|finishStatus|raceTime.*|margin|winOdds|placeOdds|odds|payout|sectionals|dividends?|results?|ord.*|weather|going|moisture.*)$/i;

/** JSON paths of every forbidden key in a value. */
export function forbiddenKeys(value: unknown, path = '$'): string[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => forbiddenKeys(item, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, item]) => [
    ...(FORBIDDEN_KEY.test(key) ? [`${path}.${key}`] : []),
    ...forbiddenKeys(item, `${path}.${key}`),
  ]);
}
