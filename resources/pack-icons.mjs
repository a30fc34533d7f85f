// Packs the PNGs rendered by build-icons.sh into the platform icon containers
// that electron-builder expects in its build resources directory:
//
//   build/icon.icns  (macOS app + dmg)   PNG-encoded ic07..ic14 / icp4..icp6 entries
//   build/icon.ico   (Windows exe + NSIS) 32-bit BMP entries for 16..48, PNG for 64..256
//
// Shipping these pre-built means electron-builder uses them as-is and never has
// to fetch its icon conversion toolset. Plain Node, no dependencies.
//
// Usage: node resources/pack-icons.mjs [iconsDir] [outDir]
import { Buffer } from 'node:buffer'
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import process from 'node:process'
import { fileURLToPath } from 'node:url'
import { inflateSync } from 'node:zlib'

const here = dirname(fileURLToPath(import.meta.url))
const iconsDir = resolve(process.argv[2] ?? join(here, 'icons'))
const outDir = resolve(process.argv[3] ?? join(here, '..', 'build'))

const png = (size) => readFileSync(join(iconsDir, `${size}x${size}.png`))

// ---------------------------------------------------------------- ICNS
// Each element is [OSType, pixel size]. The @2x types share pixel sizes with
// the 1x ones; macOS picks by type, so both are present.
const ICNS_TYPES = [
  ['icp4', 16],
  ['icp5', 32],
  ['icp6', 64],
  ['ic07', 128],
  ['ic08', 256],
  ['ic09', 512],
  ['ic10', 1024], // 512@2x
  ['ic11', 32], // 16@2x
  ['ic12', 64], // 32@2x
  ['ic13', 256], // 128@2x
  ['ic14', 512], // 256@2x
]

function buildIcns() {
  const chunks = ICNS_TYPES.map(([type, size]) => {
    const data = png(size)
    const head = Buffer.alloc(8)
    head.write(type, 0, 'ascii')
    head.writeUInt32BE(data.length + 8, 4)
    return Buffer.concat([head, data])
  })
  const body = Buffer.concat(chunks)
  const head = Buffer.alloc(8)
  head.write('icns', 0, 'ascii')
  head.writeUInt32BE(body.length + 8, 4)
  return Buffer.concat([head, body])
}

// ---------------------------------------------------------------- PNG decode
// Minimal decoder for what rsvg-convert writes: 8-bit RGBA, non-interlaced.
function decodeRgba(buf) {
  let off = 8
  let width = 0
  let height = 0
  const idat = []
  while (off < buf.length) {
    const len = buf.readUInt32BE(off)
    const type = buf.toString('ascii', off + 4, off + 8)
    const data = buf.subarray(off + 8, off + 8 + len)
    if (type === 'IHDR') {
      width = data.readUInt32BE(0)
      height = data.readUInt32BE(4)
      const [depth, colour, , , interlace] = data.subarray(8, 13)
      if (depth !== 8 || colour !== 6 || interlace !== 0) {
        throw new Error(`unsupported PNG (depth ${depth}, colour ${colour}, interlace ${interlace})`)
      }
    } else if (type === 'IDAT') {
      idat.push(data)
    } else if (type === 'IEND') {
      break
    }
    off += 12 + len
  }
  const raw = inflateSync(Buffer.concat(idat))
  const stride = width * 4
  const out = Buffer.alloc(stride * height)
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1))
    for (let x = 0; x < stride; x++) {
      const a = x >= 4 ? out[y * stride + x - 4] : 0
      const b = y > 0 ? out[(y - 1) * stride + x] : 0
      const c = x >= 4 && y > 0 ? out[(y - 1) * stride + x - 4] : 0
      let v = line[x]
      if (filter === 1) v += a
      else if (filter === 2) v += b
      else if (filter === 3) v += (a + b) >> 1
      else if (filter === 4) {
        const p = a + b - c
        const pa = Math.abs(p - a)
        const pb = Math.abs(p - b)
        const pc = Math.abs(p - c)
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c
      }
      out[y * stride + x] = v & 0xff
    }
  }
  return { width, height, rgba: out }
}

// ---------------------------------------------------------------- ICO
// 32-bit BGRA DIB (bottom-up, height doubled for the AND mask) for small sizes:
// the most compatible encoding for Explorer, the taskbar and NSIS.
function dibEntry(size) {
  const { width, height, rgba } = decodeRgba(png(size))
  const header = Buffer.alloc(40)
  header.writeUInt32LE(40, 0)
  header.writeInt32LE(width, 4)
  header.writeInt32LE(height * 2, 8)
  header.writeUInt16LE(1, 12)
  header.writeUInt16LE(32, 14)
  const pixels = Buffer.alloc(width * height * 4)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const s = (y * width + x) * 4
      const d = ((height - 1 - y) * width + x) * 4
      pixels[d] = rgba[s + 2]
      pixels[d + 1] = rgba[s + 1]
      pixels[d + 2] = rgba[s]
      pixels[d + 3] = rgba[s + 3]
    }
  }
  const maskStride = Math.ceil(width / 32) * 4
  const mask = Buffer.alloc(maskStride * height) // all 0: alpha channel rules
  return Buffer.concat([header, pixels, mask])
}

function buildIco() {
  const entries = [16, 32, 48].map((s) => [s, dibEntry(s)])
  for (const s of [64, 128, 256]) entries.push([s, png(s)])
  const dir = Buffer.alloc(6 + 16 * entries.length)
  dir.writeUInt16LE(0, 0)
  dir.writeUInt16LE(1, 2)
  dir.writeUInt16LE(entries.length, 4)
  let offset = dir.length
  entries.forEach(([size, data], i) => {
    const e = 6 + 16 * i
    dir.writeUInt8(size >= 256 ? 0 : size, e)
    dir.writeUInt8(size >= 256 ? 0 : size, e + 1)
    dir.writeUInt8(0, e + 2)
    dir.writeUInt8(0, e + 3)
    dir.writeUInt16LE(1, e + 4)
    dir.writeUInt16LE(32, e + 6)
    dir.writeUInt32LE(data.length, e + 8)
    dir.writeUInt32LE(offset, e + 12)
    offset += data.length
  })
  return Buffer.concat([dir, ...entries.map(([, data]) => data)])
}

mkdirSync(outDir, { recursive: true })
writeFileSync(join(outDir, 'icon.icns'), buildIcns())
writeFileSync(join(outDir, 'icon.ico'), buildIco())
process.stdout.write(`pack-icons: wrote ${join(outDir, 'icon.icns')} and ${join(outDir, 'icon.ico')}\n`)
