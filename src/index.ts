import { app } from "./app/app";

export { ThingObject } from "./objects/thing";

export default app;
