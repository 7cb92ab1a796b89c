import type { PropsWithChildren } from "hono/jsx";
import { useRequestContext } from "hono/jsx-renderer";
import { assetUrl } from "../assets";
import { type ConsoleEnv, href } from "../env";
import { CsrfField } from "./forms";
import { NAV, type NavKey } from "./nav";

/** What a page passes to `c.render(content, props)`. */
export interface PageProps {
  /** The page's title: the `<h1>` and the document title. */
  title: string;
  /** The navigation entry the page belongs to; omit for pages outside the navigation (sign-in). */
  nav?: NavKey;
  /** Render without the navigation (sign-in, signed-out errors). */
  bare?: boolean;
}

// Hono's documented way to type `c.render`'s props: augment (merge into) its ContextRenderer interface.
declare module "hono" {
  interface ContextRenderer {
    // biome-ignore lint/style/useShorthandFunctionType: declaration merging needs an interface
    (content: string | Promise<string>, props: PageProps): Response | Promise<Response>;
  }
}

/**
 * The page frame of every console page: skip link, navigation (with sign-out as a CSRF-protected
 * form), the flash message of the previous action, the title and the content. Styles and the one
 * script come from /console/assets (the CSP allows nothing inline).
 */
export function Layout({ title, nav, bare, children }: PropsWithChildren<PageProps>) {
  const c = useRequestContext<ConsoleEnv>();
  const flash = c.get("flash");
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>{`${title} · Tributary console`}</title>
        <link rel="stylesheet" href={assetUrl("console.css")} />
        <script src={assetUrl("console.js")} defer />
      </head>
      <body>
        <a class="skip-link" href="#main">
          Skip to content
        </a>
        {bare ? (
          <main id="main" tabindex={-1}>
            {children}
          </main>
        ) : (
          <div class="shell">
            <nav class="nav" aria-label="Console">
              <a class="brand" href={href()}>
                Tributary
              </a>
              <ul>
                {NAV.map((item) => (
                  <li>
                    <a href={href(item.path)} aria-current={item.key === nav ? "page" : undefined}>
                      {item.label}
                    </a>
                  </li>
                ))}
              </ul>
              <form method="post" action={href("/sign-out")}>
                <CsrfField />
                <button type="submit" class="link">
                  Sign out
                </button>
              </form>
            </nav>
            <main id="main" tabindex={-1}>
              {flash ? (
                <div class={`flash ${flash.kind}`} role={flash.kind === "error" ? "alert" : "status"}>
                  {flash.text}
                </div>
              ) : null}
              <h1>{title}</h1>
              {children}
            </main>
          </div>
        )}
      </body>
    </html>
  );
}
