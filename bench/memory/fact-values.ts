import type { Random } from "./random.ts";

/**
 * Value pools for planted facts. Values are drawn without replacement across
 * the whole set, so no two facts share a name, city or date and each answer
 * appears only in its own evidence turns.
 */
export const personNames = ["Priya", "Lena", "Tomasz", "Amara", "Jonas", "Mireille", "Kenji", "Sofia", "Dmitri", "Imani", "Rafael", "Ingrid", "Mateo", "Yara", "Oskar", "Nadia", "Felix", "Chiara", "Emeka", "Hana", "Lukas", "Zainab", "Theo", "Marisol"];
export const petNames = ["Biscuit", "Pepper", "Mochi", "Juniper", "Waffles", "Pistachio", "Noodle", "Clementine", "Ziggy", "Bramble"];
export const petSpecies = ["dog", "cat", "rabbit"];
export const cities = ["Berlin", "Madrid", "Lisbon", "Porto", "Vienna", "Copenhagen", "Edinburgh", "Montreal", "Kyoto", "Melbourne", "Valencia", "Utrecht", "Gothenburg", "Bologna", "Krakow", "Seville", "Toronto", "Dublin", "Prague", "Ljubljana"];
export const companies = ["Northwind Labs", "Halcyon Health", "Brightline Logistics", "Kestrel Robotics", "Tidewater Studios", "Alder & Finch", "Meridian Bank", "Quillpoint", "Saltmarsh Games", "Orchard Analytics"];
export const roles = ["a paramedic", "an architect", "a pastry chef", "a civil engineer", "a veterinary nurse", "a data analyst", "a physiotherapist", "a sound engineer", "a UX researcher", "a chemistry teacher"];
export const diets = [
  { answer: "vegetarian", statements: ["I don't eat meat; I've been vegetarian for about ten years.", "Just so you know, I'm vegetarian, so I can't eat anything with meat or fish in it."] },
  { answer: "vegan", statements: ["I eat a fully vegan diet, no animal products at all.", "I'm vegan, so I don't eat dairy or eggs either."] },
  { answer: "pescatarian", statements: ["I eat fish but no meat, pescatarian basically.", "Heads up: I'm pescatarian, so I eat seafood but never meat."] },
  { answer: "gluten-free", statements: ["I have coeliac disease, so I can only eat gluten-free food.", "Everything I eat has to be gluten-free, doctor's orders."] },
];
export const dislikedIngredients = ["cilantro", "olives", "mushrooms", "blue cheese", "raisins", "anchovies"];
export const coffeeOrders = ["flat white with oat milk", "double espresso", "cortado", "black americano", "cappuccino with extra foam"];
export const programmingLanguages = ["Rust", "Kotlin", "Elixir", "Haskell", "Clojure", "Swift"];
export const bookTitles = ["The Overstory", "Piranesi", "Klara and the Sun", "The Remains of the Day", "Station Eleven", "A Gentleman in Moscow"];
export const gifts = ["a record player", "a telescope", "a pasta machine", "a set of woodworking chisels", "a kayak paddle"];
export const carRepairs = ["a new alternator", "new brake pads", "a new radiator", "a new timing belt", "a new clutch"];
export const raceTimes = ["1:52:10", "2:03:45", "1:47:30", "1:58:05", "2:11:20"];
export const restaurants = [
  { cuisine: "Georgian", name: "Saperavi" },
  { cuisine: "Peruvian", name: "Tambo Norte" },
  { cuisine: "Ethiopian", name: "Lalibela House" },
  { cuisine: "Sichuan", name: "Red Lantern" },
  { cuisine: "Lebanese", name: "Cedar and Salt" },
];
export const eveningClasses = ["pottery", "salsa", "life drawing", "beginner Japanese", "stand-up comedy"];
export const phones = ["Pixel 8", "Moto G84", "Fairphone 5", "Galaxy S23", "Nokia G42"];
export const cars = ["Skoda Octavia", "Toyota Yaris", "Volvo V60", "Renault Zoe", "Mazda 3", "Honda Jazz"];
export const hotels = ["Hotel Alma", "the Lighthouse Inn", "Casa Verde", "the Old Mill Hotel", "Hotel Borealis"];
export const meetingPlaces = ["a climbing gym", "a friend's barbecue", "a pub quiz", "a language exchange", "a cousin's wedding"];
export const instruments = ["cello", "banjo", "trumpet", "accordion", "ukulele"];
export const commuteModes = ["ferry", "tram", "motorbike", "e-scooter"];
export const bands = ["the Lumineers", "Fontaines D.C.", "Khruangbin", "Wet Leg", "Big Thief", "Parcels", "Black Pumas"];
export const mountains = ["Ben Nevis", "Snowdon", "Mont Ventoux", "Triglav", "Mount Olympus", "Scafell Pike"];
export const treats = ["mechanical keyboard", "pair of noise-cancelling headphones", "cast-iron skillet", "silk scarf", "film camera", "standing desk"];
export const films = ["Past Lives", "Perfect Days", "Aftersun", "Dune: Part Two", "The Zone of Interest", "Anatomy of a Fall"];
export const hobbies = ["birdwatching", "bouldering", "bonsai", "fly fishing", "chess", "astronomy"];
export const allergens = ["shellfish", "peanuts", "sesame", "tree nuts", "celery"];
export const injuries = ["ankle", "shoulder", "wrist", "hip", "lower back"];
export const studySubjects = ["marine biology", "astrophysics", "medieval history", "linguistics", "veterinary medicine"];

const monthNames = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const dayInMilliseconds = 86_400_000;

/** Draws values for one conversation set; nothing is handed out twice. */
export interface ValueDrawer {
  random: Random;
  take<T>(pool: readonly T[], label?: (item: T) => string): T;
  /** A date 10 to 70 days after `after`, never the same month and day as another drawn date. */
  dateAfter(after: Date): Date;
}

export function createValueDrawer(random: Random): ValueDrawer {
  const taken = new Set<string>();
  return {
    random,
    take<T>(pool: readonly T[], label: (item: T) => string = String): T {
      const available = pool.filter((item) => !taken.has(label(item)));
      const item = random.pick(available.length > 0 ? available : pool);
      taken.add(label(item));
      return item;
    },
    dateAfter(after: Date): Date {
      for (;;) {
        const date = new Date(after.getTime() + random.integer(10, 70) * dayInMilliseconds);
        const key = monthDay(date);
        if (taken.has(key)) continue;
        taken.add(key);
        return date;
      }
    },
  };
}

/** The canonical form used in answers: "March 14". */
export function monthDay(date: Date): string {
  return `${monthNames[date.getUTCMonth()]} ${date.getUTCDate()}`;
}

/** The ways people write a date in chat, so a retriever cannot match on one format. */
export function spokenDate(date: Date, random: Random): string {
  const month = monthNames[date.getUTCMonth()]!;
  const day = date.getUTCDate();
  return random.pick([`${month} ${day}`, `${month} ${ordinal(day)}`, `the ${ordinal(day)} of ${month}`, `${day} ${month}`]);
}

function ordinal(day: number): string {
  if (day % 100 >= 11 && day % 100 <= 13) return `${day}th`;
  const suffix = ["th", "st", "nd", "rd"][day % 10] ?? "th";
  return `${day}${suffix}`;
}
