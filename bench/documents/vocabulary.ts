/**
 * The material of the seeded retrieval set: one fictional water utility's documents, which
 * share their products, sites, people and topic words, so every question's words occur in many
 * passages and only one passage holds its answer.
 */

export const productNames = ["Halden", "Corvin", "Brisk", "Tamsin", "Orrin", "Velda", "Kestrel", "Maro", "Quill", "Sable", "Toller", "Wren"] as const;
export const productTypes = ["pump", "valve", "dosing unit", "filter skid", "flow meter", "controller"] as const;
export const siteNames = ["Tarsk", "Emberly", "Hollin Ford", "Quarry Lane", "Westmoor", "Ashby Cross", "Greyhythe", "Marlow Reach"] as const;
export const firstNames = ["Ilse", "Tomas", "Priya", "Owen", "Mirela", "Jonah", "Keiko", "Rafael", "Selin", "Duncan", "Amara", "Lukas", "Freya", "Idris", "Noor", "Callum", "Beatriz", "Henrik", "Yara", "Anton"] as const;
export const lastNames = ["Marrow", "Oakes", "Vance", "Lindqvist", "Achterberg", "Petrov", "Okafor", "Haldane", "Moreau", "Castell", "Nakamura", "Brennan", "Sorensen", "Quint", "Delacroix", "Farrow", "Whitlock", "Ibsen", "Carraway", "Tull"] as const;
export const companies = ["Ferrow Industrial", "Calder Seals", "Northgate Polymers", "Brightwater Components", "Havel & Sons", "Ostrava Rubber Works", "Pellin Engineering", "Saltmarsh Supply", "Tenby Fluid Parts", "Unwin Gasket Co", "Aldgate Elastomers", "Ruskin Valve Parts", "Kilbride Components", "Merton & Hale", "Voss Industrial Supply", "Yardley Polymers"] as const;
export const months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"] as const;
export const roles = [
  "head of water quality for the northern region",
  "chief financial officer of the utility",
  "programme lead for the smart metering rollout",
  "principal hydraulic engineer at head office",
  "chair of the health and safety committee",
  "director of asset management",
  "customer operations manager for the western network",
  "head of procurement and supplier relations",
  "lead data analyst for leakage reduction",
  "compliance officer for drinking water regulations",
] as const;
/** Coined terms with their definitions: each definition appears once, where the term is defined. */
export const definedTerms: ReadonlyArray<readonly [string, string]> = [
  ["flow banding", "grouping district meters by their night-time flow so that leaks show up as outliers"],
  ["dry commissioning", "testing a pump's controls and wiring before any water is admitted to the casing"],
  ["cold staging", "holding spare units in an unheated store with their seals lubricated and capped"],
  ["dosing drift", "a slow change in chemical feed rate that the operator has not requested"],
  ["pressure shadowing", "a second gauge fitted downstream to confirm the reading of the primary sensor"],
  ["soft isolation", "closing a section of main through the control system while the valves stay physically open"],
  ["reach testing", "checking that a telemetry radio can still be heard from the furthest point of its zone"],
  ["backwash debt", "filter runs that were extended past their planned backwash because of staffing gaps"],
  ["asset twinning", "pairing each installed unit with an identical spare held at a neighbouring works"],
  ["quiet hours", "the period between two and five in the morning when network demand is at its lowest"],
];

/** Sentences with no answer in them that mention the shared entities and topic words. */
export const fillerSentences: readonly string[] = [
  "Crews at {site} checked the {product} after the {month} shutdown and logged the readings in the maintenance system.",
  "The {product} remained in service at {site} through the quarter, with routine inspections of seals and bearings.",
  "Operators reported that pressure at the {site} inlet was stable, and no new warranty claims were opened.",
  "The engineering team reviewed design notes for the {product} alongside supplier feedback from {site}.",
  "Water demand at {site} followed the usual seasonal pattern, and treatment volumes stayed within plan.",
  "Safety walks at {site} focused on lifting gear, confined spaces and chemical storage.",
  "The board asked for a clearer summary of costs for the {product} programme.",
  "{person} presented an update on the {product} rollout to the operations committee.",
  "A review of the next generation of {type}s is planned, pending budget approval.",
  "Audit findings from earlier years were closed out, and the supplier list was updated.",
  "Spare parts for the {product} are stored centrally and issued against work orders.",
  "The {site} works reported fewer call-outs than in the previous year.",
  "Training on the {product} was delivered to new starters at {site} and at head office.",
  "Telemetry from the {product} feeds the control room dashboard every five minutes.",
  "Energy use per unit of water treated fell slightly, mainly because of pump scheduling changes.",
  "{person} chaired a workshop on maintenance planning for the {type} fleet.",
  "Several sites asked for clearer guidance on when a {type} should be replaced rather than repaired.",
  "The launch of new operating procedures was delayed while the document templates were agreed.",
  "Contract terms with suppliers were reviewed to make lead times and penalties consistent.",
  "A design change to the {product} mounting bracket was approved after field feedback.",
  "Inspections found minor corrosion on pipework near the {product} at {site}, which was treated.",
  "The operations committee noted that staffing at {site} was below the planned level in {month}.",
  "Customer complaints about discoloured water were traced to mains flushing near {site}.",
  "Readings from the {product} were compared with laboratory samples to check calibration.",
  "The engineering standards group published a revised checklist for commissioning a {type}.",
  "Procurement staff visited two suppliers to discuss quality problems with incoming parts.",
  "{person} noted that the warranty process for the {type} fleet needed fewer manual steps.",
  "The capacity plan for the region assumes steady growth in demand over the next decade.",
  "Lessons from the {month} storm were added to the emergency response plan for {site}.",
  "An operator at {site} suggested moving the {product} control panel closer to the entrance.",
  "The maintenance backlog was reduced by scheduling planned work during low-demand periods.",
  "Quality checks on treated water met the regulatory standard at every site sampled.",
];

/** Words for chapter headings, combined with the shared entities. */
export const chapterTitles: readonly string[] = [
  "Introduction", "Scope and purpose", "Fleet overview", "{site} operations", "The {product}", "Maintenance practice",
  "Supplier performance", "Safety and compliance", "Capacity and demand", "Commissioning", "Findings", "Recommendations",
  "Costs and budgets", "People and training", "Telemetry and control", "Glossary", "Incidents and lessons", "Outlook",
];

export const offTopicQuestions: readonly string[] = [
  "What is the parental leave allowance for staff?",
  "Which football club does the company sponsor?",
  "How many electric vans are in the vehicle fleet?",
  "What was the share price at the end of the year?",
  "Who designed the company logo?",
  "What is the canteen menu on Fridays?",
  "How many days of annual holiday do engineers get?",
  "Which university runs the graduate scheme with the utility?",
];
