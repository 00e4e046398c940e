import { mount } from "svelte"
import App from "./App.svelte"
import { prefetchBuckets } from "./lib/api.ts"
import "./app.css"

prefetchBuckets()
mount(App, { target: document.getElementById("app")! })
