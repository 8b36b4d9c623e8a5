import type { NewCustomerRow } from '../db/schema.js';

/** mulberry32: a tiny seeded PRNG; the same seed always yields the same customers. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST_NAMES = [
  'Lucía', 'Hugo', 'Martina', 'Mateo', 'Sofía', 'Leo', 'Julia', 'Daniel', 'Paula', 'Pablo', 'Valeria', 'Álvaro', 'Emma', 'Manuel',
  'Olivia', 'Diego', 'Ana', 'Marc', 'Laura', 'João', 'Camille', 'Lukas', 'Giulia', 'Noah', 'Amelia', 'Liam', 'Chloé', 'Matteo',
];
const LAST_NAMES = [
  'García', 'Rodríguez', 'González', 'Fernández', 'López', 'Martínez', 'Sánchez', 'Pérez', 'Gómez', 'Martín', 'Jiménez', 'Ruiz',
  'Hernández', 'Díaz', 'Moreno', 'Muñoz', 'Álvarez', 'Romero', 'Silva', 'Dubois', 'Müller', 'Rossi', 'Smith', 'Costa',
];
const STREETS = ['Calle Mayor', 'Gran Vía', 'Avenida de la Constitución', 'Rua Augusta', 'Rue de Rivoli', 'Via Roma', 'High Street', 'Hauptstraße'];

/** Deterministic customers for load tests and demos. */
export interface GenerateOptions {
  seed: number;
  /** Index of the first customer; lets batches continue one sequence. */
  offset: number;
  count: number;
  /** createdAt of customer 0; each next one is a second later. */
  startMs: number;
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

function uuidFrom(random: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16));
  hex[12] = '4';
  hex[16] = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  const s = hex.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

function ascii(text: string): string {
  return text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
}

const PLACES = [
  { city: 'Madrid', country: 'ES', digits: 5 },
  { city: 'Barcelona', country: 'ES', digits: 5 },
  { city: 'Sevilla', country: 'ES', digits: 5 },
  { city: 'Valencia', country: 'ES', digits: 5 },
  { city: 'Lisboa', country: 'PT', digits: 4 },
  { city: 'Paris', country: 'FR', digits: 5 },
  { city: 'Roma', country: 'IT', digits: 5 },
  { city: 'Berlin', country: 'DE', digits: 5 },
  { city: 'Ciudad de México', country: 'MX', digits: 5 },
  { city: 'Buenos Aires', country: 'AR', digits: 4 },
] as const;

export function generateCustomers(options: GenerateOptions): NewCustomerRow[] {
  const rows: NewCustomerRow[] = [];
  for (let i = options.offset; i < options.offset + options.count; i++) {
    // One PRNG per index keeps customer i identical no matter how the run is split into batches.
    const random = createRandom(options.seed * 1_000_003 + i);
    const first = pick(random, FIRST_NAMES);
    const last = pick(random, LAST_NAMES);
    const name = `${first} ${last}`;
    const email = `${ascii(first)}.${ascii(last)}.${i}@example.com`;
    const place = pick(random, PLACES);
    const hasAddress = random() < 0.85;
    const phone = random() < 0.7 ? `+34 6${String(Math.floor(random() * 1e8)).padStart(8, '0')}` : null;
    const timestamp = new Date(options.startMs + i * 1000).toISOString();
    rows.push({
      id: uuidFrom(random),
      name,
      name_lower: name.toLowerCase(),
      email,
      email_lower: email.toLowerCase(),
      phone,
      address_street: hasAddress ? `${pick(random, STREETS)} ${1 + Math.floor(random() * 200)}` : null,
      address_city: hasAddress ? place.city : null,
      address_postal_code: hasAddress ? String(Math.floor(random() * 10 ** place.digits)).padStart(place.digits, '0') : null,
      address_country: hasAddress ? place.country : null,
      status: random() < 0.9 ? 'active' : 'inactive',
      created_at: timestamp,
      updated_at: timestamp,
      version: 1,
    });
  }
  return rows;
}
