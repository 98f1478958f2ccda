// Annotation geometries in the API's WKT (image pixels, origin top-left), as the overlay draws
// them: every geometry becomes points, open lines and closed rings.

export type Point = [number, number];

export interface Shape {
  points: Point[]; // POINT / MULTIPOINT members
  lines: Point[][]; // LINESTRING members
  rings: Point[][]; // polygon rings: outer rings and holes, drawn with the even-odd rule
}

const NUMBER = String.raw`[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?`;
const LEADING_NUMBER = new RegExp(`^${NUMBER}`);

export function emptyShape(): Shape {
  return { points: [], lines: [], rings: [] };
}

class Reader {
  private at = 0;
  constructor(private readonly text: string) {}

  word(): string {
    this.space();
    const match = /^[A-Za-z]+/.exec(this.text.slice(this.at));
    if (!match) throw new Error(`WKT: a geometry name was expected at ${this.at}`);
    this.at += match[0].length;
    return match[0].toUpperCase();
  }

  peek(): string {
    this.space();
    return this.text[this.at] ?? "";
  }

  expect(char: string): void {
    if (this.peek() !== char) throw new Error(`WKT: '${char}' was expected at ${this.at}`);
    this.at++;
  }

  tryWord(word: string): boolean {
    this.space();
    if (this.text.slice(this.at, this.at + word.length).toUpperCase() !== word) return false;
    this.at += word.length;
    return true;
  }

  number(): number {
    this.space();
    const match = LEADING_NUMBER.exec(this.text.slice(this.at));
    if (!match) throw new Error(`WKT: a number was expected at ${this.at}`);
    this.at += match[0].length;
    return Number(match[0]);
  }

  point(): Point {
    const x = this.number();
    const y = this.number();
    // A Z or M coordinate is read and dropped.
    while (/[-+.\d]/.test(this.peek())) this.number();
    return [x, y];
  }

  // "(x y, x y, ...)"; MULTIPOINT members may also be wrapped: "((x y), (x y))".
  pointList(): Point[] {
    this.expect("(");
    const points: Point[] = [];
    for (;;) {
      if (this.peek() === "(") {
        this.expect("(");
        points.push(this.point());
        this.expect(")");
      } else {
        points.push(this.point());
      }
      if (this.peek() !== ",") break;
      this.expect(",");
    }
    this.expect(")");
    return points;
  }

  listOf<T>(item: () => T): T[] {
    this.expect("(");
    const items: T[] = [item()];
    while (this.peek() === ",") {
      this.expect(",");
      items.push(item());
    }
    this.expect(")");
    return items;
  }

  end(): void {
    this.space();
    if (this.at !== this.text.length) throw new Error(`WKT: unexpected text at ${this.at}`);
  }

  private space(): void {
    while (this.at < this.text.length && /\s/.test(this.text[this.at]!)) this.at++;
  }
}

function readGeometry(reader: Reader, into: Shape): void {
  const name = reader.word();
  reader.tryWord("ZM") || reader.tryWord("Z") || reader.tryWord("M");
  if (reader.tryWord("EMPTY")) return;
  switch (name) {
    case "POINT":
      into.points.push(...reader.pointList());
      return;
    case "MULTIPOINT":
      into.points.push(...reader.pointList());
      return;
    case "LINESTRING":
      into.lines.push(reader.pointList());
      return;
    case "MULTILINESTRING":
      into.lines.push(...reader.listOf(() => reader.pointList()));
      return;
    case "POLYGON":
      into.rings.push(...reader.listOf(() => reader.pointList()));
      return;
    case "MULTIPOLYGON":
      for (const polygon of reader.listOf(() => reader.listOf(() => reader.pointList()))) into.rings.push(...polygon);
      return;
    case "GEOMETRYCOLLECTION":
      reader.listOf(() => readGeometry(reader, into));
      return;
    default:
      throw new Error(`WKT: ${name} is not a geometry this viewer draws`);
  }
}

export function parseWkt(text: string): Shape {
  const reader = new Reader(text);
  const shape = emptyShape();
  readGeometry(reader, shape);
  reader.end();
  return shape;
}

const number = (value: number) => String(Math.round(value * 100) / 100);
const pair = ([x, y]: Point) => `${number(x)} ${number(y)}`;

export function pointWkt(point: Point): string {
  return `POINT (${pair(point)})`;
}

// A ring is closed here: the first point repeated at the end, as WKT wants.
export function polygonWkt(ring: Point[]): string {
  if (ring.length < 3) throw new Error("a polygon needs at least three points");
  const closed = [...ring];
  const [first, last] = [closed[0]!, closed[closed.length - 1]!];
  if (first[0] !== last[0] || first[1] !== last[1]) closed.push(first);
  return `POLYGON ((${closed.map(pair).join(", ")}))`;
}

export function rectangleWkt(a: Point, b: Point): string {
  const [x0, x1] = [Math.min(a[0], b[0]), Math.max(a[0], b[0])];
  const [y0, y1] = [Math.min(a[1], b[1]), Math.max(a[1], b[1])];
  return polygonWkt([
    [x0, y0],
    [x1, y0],
    [x1, y1],
    [x0, y1],
  ]);
}

// A geometry being edited: its WKT cut around each coordinate's x and y, so that moving
// vertices rewrites only the numbers and every geometry type (holes, multi-parts, Z values)
// keeps its structure.
export interface EditableGeometry {
  between: string[]; // the text around the vertices: one more piece than there are vertices
  vertices: Point[];
}

const COORDINATE = `(${NUMBER})\\s+(${NUMBER})`;
const EXTRA_ORDINATES = new RegExp(`^(?:\\s+${NUMBER})+`);

export function editableGeometry(text: string): EditableGeometry {
  parseWkt(text); // refuses what the viewer cannot draw before anything is edited
  const between: string[] = [];
  const vertices: Point[] = [];
  let from = 0;
  // Geometry names hold no digits, so every number pair is a coordinate's x and y; a Z or M
  // value after them is skipped and stays in the text between.
  const coordinate = new RegExp(COORDINATE, "g");
  for (let match = coordinate.exec(text); match; match = coordinate.exec(text)) {
    between.push(text.slice(from, match.index));
    vertices.push([Number(match[1]), Number(match[2])]);
    from = match.index + match[0].length;
    const extra = EXTRA_ORDINATES.exec(text.slice(from));
    coordinate.lastIndex = from + (extra ? extra[0].length : 0);
  }
  between.push(text.slice(from));
  return { between, vertices };
}

export function geometryWkt(geometry: EditableGeometry): string {
  let text = geometry.between[0]!;
  geometry.vertices.forEach((vertex, i) => {
    text += pair(vertex) + geometry.between[i + 1]!;
  });
  return text;
}

// Moves a vertex and every vertex that sat on the same spot (a ring's closing point, a corner
// two parts share), so rings stay closed.
export function moveVertex(geometry: EditableGeometry, index: number, to: Point): EditableGeometry {
  const [x, y] = geometry.vertices[index]!;
  const vertices = geometry.vertices.map((v): Point => (v[0] === x && v[1] === y ? [to[0], to[1]] : v));
  return { between: geometry.between, vertices };
}

export function translateGeometry(geometry: EditableGeometry, dx: number, dy: number): EditableGeometry {
  return { between: geometry.between, vertices: geometry.vertices.map(([x, y]): Point => [x + dx, y + dy]) };
}
