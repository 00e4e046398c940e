import { makeTempDir } from "@immich-storage/testkit"
import { execFile } from "node:child_process"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { promisify } from "node:util"
import sharp from "sharp"

/** A photo-like JPEG: a two-colour gradient with a disc, one hue per seed (readable in screenshots). */
export const makePicture = (seed: number, width = 640, height = 480): Promise<Buffer> => {
  const hue = (seed * 47) % 360
  const [light, dark, disc] = [
    `hsl(${hue},70%,55%)`,
    `hsl(${(hue + 60) % 360},70%,30%)`,
    `hsl(${(hue + 180) % 360},80%,70%)`
  ]
  const [cx, cy, r] = [width * (0.3 + (seed % 5) * 0.1), height * 0.45, height / 5]
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">
      <stop offset="0" stop-color="${light}"/><stop offset="1" stop-color="${dark}"/>
    </linearGradient></defs>
    <rect width="100%" height="100%" fill="url(#g)"/>
    <circle cx="${cx}" cy="${cy}" r="${r}" fill="${disc}"/>
  </svg>`
  return sharp(Buffer.from(svg)).jpeg({ quality: 85 }).toBuffer()
}

/**
 * A 12-second H.264 MP4 (moov first, ~4.5 MiB) made by ffmpeg: large enough that Chromium does not buffer it
 * whole, so seeking near its end needs a range request of its own. Fails saying how to get ffmpeg.
 */
export const makeVideo = async (): Promise<string> => {
  const dir = await makeTempDir()
  const file = path.join(dir.path, "clip.mp4")
  const args = [
    "-hide_banner",
    "-loglevel",
    "error",
    "-y",
    "-f",
    "lavfi",
    "-i",
    "testsrc2=size=640x360:rate=25",
    "-t",
    "12",
    "-c:v",
    "libx264",
    "-preset",
    "ultrafast",
    "-pix_fmt",
    "yuv420p",
    "-b:v",
    "3M",
    "-maxrate",
    "3M",
    "-bufsize",
    "6M",
    "-movflags",
    "+faststart",
    file
  ]
  await promisify(execFile)("ffmpeg", args).catch((error: unknown) => {
    throw new Error(`The video test needs ffmpeg (install it with \`apt-get install ffmpeg\`): ${String(error)}`)
  })
  if ((await fs.stat(file)).size < 2 * 1024 * 1024) throw new Error("ffmpeg made a video too small to need a range")
  return file
}
