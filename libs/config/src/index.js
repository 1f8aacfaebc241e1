"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.hello = void 0;
exports.hello = 'hi';
//# sourceMappingURL=index.js.map