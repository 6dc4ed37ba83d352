// See https://svelte.dev/docs/kit/types#app.d.ts
import type { SessionUser } from '$lib/types';

declare global {
  namespace App {
    interface Locals {
      /** The API token of this browser's session (from the HttpOnly cookie); never sent to the page. */
      token: string | null;
      user: SessionUser | null;
      theme: 'light' | 'dark' | 'system';
    }
    interface Error {
      message: string;
      code?: string;
    }
  }
}

export {};
