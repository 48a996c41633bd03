import { app } from "./app/app";

export { CatalogObject } from "./objects/catalog";
export { ThingObject } from "./objects/thing";

export default app;
