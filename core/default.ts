/**
 * The package's default core, made on first use so that importing costs almost nothing. Its
 * platform is given by the package's main entry (adapters/host: the runtime's cheapest clock and
 * CSPRNG, its working directory, its files); without one, web-standard defaults apply.
 */
import { embeddedModule } from "./wasm.ts";
import { createXRayWith, type Platform, type XRay } from "./xray.ts";

let platform: () => Platform = () => ({});
let instance: XRay | undefined;

/** Sets how the default core's platform is made; the first use of the default core reads it. */
export function setDefaultPlatform(make: () => Platform): void {
  platform = make;
}

/** The platform the package's main entry gives (the base of every createXRay). */
export function defaultPlatform(): Platform {
  return platform();
}

/** The default core, instantiated on first use. */
export function defaultXRay(): XRay {
  return (instance ??= createXRayWith(embeddedModule(), platform()));
}
